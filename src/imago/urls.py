from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path

from imago.api import api

admin.site.site_header = "imago administration"
admin.site.site_title = "imago administration"


def _admin_login(request, extra_context=None):
    # Administrators log in through the site's own login, which throttles and asks two-factor.
    return redirect_to_login(request.get_full_path())


admin.site.login = _admin_login

urlpatterns = [
    path("", include("imago.web.urls")),
    path("account/", include("imago.accounts.urls")),
    path("", include("imago.couples.urls")),
    path("journal/", include("imago.journal.urls")),
    path("dialogues/", include("imago.dialogues.urls")),
    path("no-put-downs/", include("imago.negativity.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
