"""The dialogue's card on the person's dashboard, fetched here so the dashboard view does not
need to know about dialogues."""

from __future__ import annotations

from django import template

from imago.couples.selectors import couple_of
from imago.dialogues.selectors import dialogue_status, open_dialogue_for_person

register = template.Library()


@register.inclusion_tag("dialogues/_dashboard_card.html", takes_context=True)
def dialogue_card(context):
    user = context["user"]
    couple = couple_of(user)
    current = open_dialogue_for_person(user)
    return {
        "couple": couple,
        "partner": couple.partner_of(user) if couple else None,
        "current": current,
        "current_status": dialogue_status(current, user) if current else "",
    }
