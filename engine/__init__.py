"""The engine behind build.py: content in, static site out.

Stages, one module each: load (files to plain data with positions), validate (schema and
cross-references), model (content to page models), render (page models to HTML), write
(an atomic swap of the output folder), serve (the live-reload dev server).
"""
ENGINE_VERSION = "0.1.0"
