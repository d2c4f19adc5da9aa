from django.urls import path

from imago.couples import views

# Included at the site root: partners' pages live under couple/, therapists' under practice/.
urlpatterns = [
    path("couple/", views.couple_page, name="couple"),
    path("couple/invite/", views.partner_invite, name="partner_invite"),
    path("couple/invite/cancel/", views.invitation_cancel, name="invitation_cancel"),
    path("couple/join/", views.couple_join, name="couple_join"),
    path("couple/join/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("couple/unlink/", views.couple_unlink, name="couple_unlink"),
    path("couple/therapist/join/", views.therapist_join, name="therapist_join"),
    path(
        "couple/therapist/join/<str:token>/",
        views.therapist_join_link,
        name="therapist_join_link",
    ),
    path("couple/therapist/consent/", views.therapist_consent, name="therapist_consent"),
    path("couple/therapist/decline/", views.therapist_decline, name="therapist_decline"),
    path("couple/therapist/end/", views.therapist_end, name="therapist_end"),
    # The link in invitation e-mails: a neutral path that forwards to invitation_accept.
    path("join/<str:token>/", views.invitation_link, name="invitation_link"),
    path("practice/", views.practice, name="practice"),
    path("practice/invite/", views.practice_invite, name="practice_invite"),
    path("practice/couples/<int:couple_id>/", views.practice_couple, name="practice_couple"),
    path(
        "practice/couples/<int:couple_id>/balance/",
        views.practice_couple_balance,
        name="practice_couple_balance",
    ),
    path(
        "practice/couples/<int:couple_id>/end/",
        views.practice_couple_end,
        name="practice_couple_end",
    ),
]
