from django.urls import path

from imago.web import coaching, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("coach/", coaching.coach_practice, name="coach_practice"),
    path("exit/", views.neutral, name="neutral"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
