"""Model Configuration V2 (chapter 2): V1 plus a validation-step function.

Reads:  nothing
Leaves: device, lr, model (on device), optimizer, loss_fn, train_step_fn, val_step_fn
"""
import torch
import torch.nn as nn
import torch.optim as optim

from helpers.training_loop import make_train_step_fn, make_val_step_fn

device = 'cuda' if torch.cuda.is_available() else 'cpu'

# Learning rate
lr = 0.1

# The model: one linear layer, initialized from a fixed seed, then sent to the device
_ = torch.manual_seed(42)
model = nn.Sequential(nn.Linear(1, 1)).to(device)

# Optimizer (SGD) and loss (mean squared error)
optimizer = optim.SGD(model.parameters(), lr=lr)
loss_fn = nn.MSELoss(reduction='mean')

# A function that performs one training step
train_step_fn = make_train_step_fn(model, loss_fn, optimizer)

# NEW: a function that computes the loss on a validation mini-batch (no update)
val_step_fn = make_val_step_fn(model, loss_fn)
