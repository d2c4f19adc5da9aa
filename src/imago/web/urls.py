from django.urls import path

from imago.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("exit/", views.neutral, name="neutral"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
