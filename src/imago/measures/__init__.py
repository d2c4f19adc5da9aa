"""Instruments, scoring and reliable change.

Framework-free core. It will hold each questionnaire as a small module (items, version, scoring,
bands, source and terms of use) and the Jacobson-Truax reliable change index, per partner and
per couple. Imports nothing from Django (the measurement and safety issues).
"""
