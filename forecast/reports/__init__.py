"""Report templates and writers (HTML, Markdown, CSV, XLSX)."""
