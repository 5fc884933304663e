"""Stage 2, bank: the questions, as data, and the code each exam brings.

Owns the bank model (:class:`~.loader.Question`, :class:`~.loader.Claim`, ...), loading
and checking bank folders (:mod:`.loader`: TOML only, every name validated, banks add
up), and an exam's own code (:mod:`.registry`: the public ``definition``/``settles``
decorators and the lazy import of ``<exam>.py``).

May import: :mod:`derive.notation`, :mod:`derive.errors`. Never torch at import time
(an exam's code imports what it needs when it is first used).
"""
