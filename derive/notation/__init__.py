"""Stage 1, notation: LaTeX text to SymPy values, knowing a question's symbols.

Owns the input limits and the lexer (:mod:`.lexer`), the symbol table of a question
(:mod:`.symbols`) and the one reader of symbol declarations (:mod:`.declare`), the
command tables (:mod:`.tables`), the shape typing of sums and products (:mod:`.shapes`),
the grammar (:mod:`.grammar`), the parsed-answer values (:mod:`.answer`), derived symbols
(:mod:`.derived`) and the front door :func:`.parser.parse_answer`.

May import: :mod:`derive.errors`, SymPy. Never torch, never another stage. Inside, the
modules are layered too (pyproject.toml): lexer < symbols < tables/shapes/answer <
grammar < parser < declare/derived.
"""
