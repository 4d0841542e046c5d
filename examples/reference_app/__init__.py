"""A reference web app that embeds familiekoordinering as a municipal app would.

FastAPI, server-rendered HTML (Jinja2, every value escaped), no JavaScript:

- :mod:`reference_app.directory`: the app's own sign-in directory, and how a
  signed-in user becomes the library's :class:`~familiekoordinering.Actor`;
- :mod:`reference_app.seed`: a store seeded with the library's demo, its
  master key and the directory;
- :mod:`reference_app.web`: the pages (caseload, plan, recording a contact,
  the family's own page), one :class:`~familiekoordinering.FamilyCoordination`
  per web worker process, shared by its threads.

The projection worker is the library's own ``familiekoordinering projections
run``, a process of its own beside the web workers; ``run.sh`` starts both.
"""
