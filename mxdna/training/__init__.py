"""Training: batching, metrics, schedules, checkpoints, the trainer and the joint
tokenizer–encoder schedule."""
