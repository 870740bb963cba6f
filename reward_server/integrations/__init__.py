"""Adapters that let trainers use the reward server as their reward function.

* ``trl``: ``RewardServerReward`` / ``AsyncRewardServerReward`` for ``GRPOTrainer``;
* ``verl``: ``compute_score`` / ``compute_score_batch`` for ``custom_reward_function``;
* ``openrlhf``: an HTTP endpoint for ``--remote_rm_url``
  (``python -m reward_server.integrations.openrlhf``).

Each module imports only what its trainer needs; none imports the trainer itself.
"""
