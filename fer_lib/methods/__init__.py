"""fer_lib.methods: one module per method, each an ``nn.Module`` with a ``training_step`` (trained by a protocol
through :func:`fer_lib.engine.trainer.fit`; a method never runs the loop nor reads a chapter's config)."""
