"""Server-rendered pages of the tasks app, one module per area (projects, templates, work)."""
