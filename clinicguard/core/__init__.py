"""The services: checklist, catalogue versions, plan and budget, vault, audit, people, sign-off, exports,
imports, and the composition root that builds them (workspace.py). Never imports Qt."""
