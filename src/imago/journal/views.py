from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from imago.accounts.decorators import person_required
from imago.journal.forms import JournalEntryForm
from imago.journal.selectors import entries_readable_by, get_own_entry
from imago.journal.services import (
    JournalError,
    journal_entry_create,
    journal_entry_delete,
    journal_entry_read,
    journal_entry_update,
    journal_unavailable_visibilities,
)


# Professionals read shared entries inside their practice, not here.
@require_http_methods(["GET", "POST"])
@person_required
def journal(request):
    unavailable = journal_unavailable_visibilities(author=request.user)
    if request.method == "POST":
        form = JournalEntryForm(request.POST, unavailable=unavailable)
        if form.is_valid():
            try:
                journal_entry_create(
                    author=request.user,
                    text=form.cleaned_data["text"],
                    visibility=form.cleaned_data["visibility"],
                )
            except JournalError as error:
                form.add_journal_error(error)
            else:
                messages.success(request, "Your entry is saved.")
                return redirect("journal")
    else:
        form = JournalEntryForm(unavailable=unavailable)
    entries = entries_readable_by(request.user).order_by("-created_at")
    return render(request, "journal/journal.html", {"form": form, "entries": entries})


@login_required
@require_http_methods(["GET", "POST"])
def journal_entry(request, pk: int):
    if request.method == "POST":
        # Only the author may change an entry; to anyone else it does not exist.
        entry = get_own_entry(request.user, pk)
        unavailable = journal_unavailable_visibilities(author=request.user, entry=entry)
        form = JournalEntryForm(request.POST, unavailable=unavailable)
        if form.is_valid():
            try:
                journal_entry_update(
                    author=request.user,
                    entry=entry,
                    text=form.cleaned_data["text"],
                    visibility=form.cleaned_data["visibility"],
                )
            except JournalError as error:
                form.add_journal_error(error)
            else:
                messages.success(request, "Your changes are saved.")
                return redirect("journal_entry", pk=entry.pk)
        return render(request, "journal/entry.html", {"entry": entry, "form": form})

    entry = journal_entry_read(reader=request.user, pk=pk)
    form = None
    if entry.author_id == request.user.pk:
        form = JournalEntryForm(
            initial={"text": entry.text, "visibility": entry.visibility},
            unavailable=journal_unavailable_visibilities(author=request.user, entry=entry),
        )
    return render(request, "journal/entry.html", {"entry": entry, "form": form})


@require_POST
@login_required
def journal_delete(request, pk: int):
    entry = get_own_entry(request.user, pk)
    try:
        journal_entry_delete(author=request.user, entry=entry)
    except JournalError as error:
        messages.error(request, error.message)
        return redirect("journal_entry", pk=pk)
    messages.success(request, "The entry is deleted.")
    return redirect("journal")
