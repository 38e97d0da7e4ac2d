"""Sub-commands of ``nkt-dyno``: one module each, light to import."""
