"""Model configuration, version 0 (chapter 1): model, optimizer and loss for linear regression.

Run it inside a notebook with ``%run -i model_configuration/v0.py``.

Reads:  nothing (it picks the device itself, so it also works on its own).
Leaves: ``device``, ``lr`` (0.1), ``model`` (``nn.Sequential(nn.Linear(1, 1))`` on ``device``,
        initialised with seed 42), ``optimizer`` (plain SGD over the model's parameters) and
        ``loss_fn`` (mean squared error).
"""
import torch
import torch.nn as nn
import torch.optim as optim

device = "cuda" if torch.cuda.is_available() else "cpu"

# the learning rate: one number for every parameter
lr = 0.1

# the linear layer draws its own random weight and bias, so seed right before building it
_ = torch.manual_seed(42)
model = nn.Sequential(nn.Linear(1, 1)).to(device)

# the optimizer updates whatever the model reports as its parameters
optimizer = optim.SGD(model.parameters(), lr=lr)

# MSE averaged over the points of each batch (here: all of them)
loss_fn = nn.MSELoss(reduction="mean")
