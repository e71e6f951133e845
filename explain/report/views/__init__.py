"""Family views: what a family's records and global explanation hold beyond the shared sections, drawn by
views registered with ``sections.section_view``, ``inputs.input_view`` and ``global_page.global_view``.
Importing this package registers them all (the report imports it once)."""

from . import cbc, concepts, language, programs, prototypes  # noqa: F401
