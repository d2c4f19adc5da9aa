from django.urls import path

from imago.journal import views

urlpatterns = [
    path("", views.journal, name="journal"),
    path("<int:pk>/", views.journal_entry, name="journal_entry"),
    path("<int:pk>/delete/", views.journal_delete, name="journal_delete"),
]
