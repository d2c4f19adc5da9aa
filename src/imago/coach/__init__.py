"""The language coach: offline feedback on each step of the dialogue.

Framework-free core. It will review a sender's message, a receiver's mirror, validation and
empathy, and behavior change requests; flag blame, criticism and crisis language; and suggest a
kinder frame. It runs locally with models shipped in the package; nothing is downloaded at run
time and nothing leaves the server. Imports nothing from Django (the coach issue).
"""
