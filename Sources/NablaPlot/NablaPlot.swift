// SVG charts and HTML reports, with no dependencies.
