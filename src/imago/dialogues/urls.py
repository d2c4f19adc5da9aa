from django.urls import path

from imago.dialogues import views

urlpatterns = [
    path("", views.dialogues, name="dialogues"),
    path("<int:pk>/", views.dialogue_room, name="dialogue_room"),
    path("<int:pk>/together/", views.dialogue_together, name="dialogue_together"),
    path("<int:pk>/facilitate/", views.dialogue_facilitate, name="dialogue_facilitate"),
    path("<int:pk>/event/", views.dialogue_event, name="dialogue_event"),
    path("<int:pk>/ready-at/", views.dialogue_ready_at, name="dialogue_ready_at"),
    path("<int:pk>/cancel/", views.dialogue_cancel_view, name="dialogue_cancel"),
    path("<int:pk>/appointment.ics", views.dialogue_ics, name="dialogue_ics"),
    path("<int:pk>/transcript/", views.dialogue_transcript, name="dialogue_transcript"),
    path(
        "<int:pk>/transcript/consent/",
        views.dialogue_transcript_consent,
        name="dialogue_transcript_consent",
    ),
    path("<int:pk>/transcript.txt", views.dialogue_transcript_txt, name="dialogue_transcript_txt"),
    path("<int:pk>/transcript.pdf", views.dialogue_transcript_pdf, name="dialogue_transcript_pdf"),
]
