"""The case domain, free of the web layer: the machine, its rules, its clock and its one write path."""
