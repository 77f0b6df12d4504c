"""The domain: catalogue, checklist, actions and budget, evidence, audit. Never imports Qt."""
