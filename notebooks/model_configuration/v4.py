"""Model Configuration V4 (chapter 2.1): only what the StepByStep class needs.

The device, the step functions and the TensorBoard writer are now the trainer's job, so the
model stays on the CPU here (the class moves it to the device).

Reads:  nothing
Leaves: lr, model (on the CPU), optimizer, loss_fn
"""
import torch
import torch.nn as nn
import torch.optim as optim

# Learning rate
lr = 0.1

# The model: one linear layer, initialized from a fixed seed
_ = torch.manual_seed(42)
model = nn.Sequential(nn.Linear(1, 1))

# Optimizer (SGD) and loss (mean squared error)
optimizer = optim.SGD(model.parameters(), lr=lr)
loss_fn = nn.MSELoss(reduction='mean')
