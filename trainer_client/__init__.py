"""The bundled GRPO trainer: advantages, log-probs, loss and the policy update."""
