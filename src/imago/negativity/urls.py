from django.urls import path

from imago.negativity import views

urlpatterns = [
    path("", views.overview, name="no_put_downs"),
    path("start/", views.start, name="no_put_downs_start"),
    path("mark/", views.mark, name="no_put_downs_mark"),
    path("repair/", views.repair, name="no_put_downs_repair"),
    path("stop/", views.stop, name="no_put_downs_stop"),
]
