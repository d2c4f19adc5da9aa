"""Definitions of the method's guided exercises as data.

Framework-free core. Each exercise (Imago Workup, Caring Behaviors, Behavior Change Request,
Relationship Vision, exits and the rest) will be a definition of steps, prompts in our own words,
fields and who sees what when, rendered by one generic flow in the web app. Imports nothing from
Django (the exercises issue).
"""
