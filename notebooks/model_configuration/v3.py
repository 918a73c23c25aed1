"""Model Configuration V3 (chapter 2): V2 plus a TensorBoard writer that has logged the model graph.

Reads:  train_loader (to borrow one mini-batch for tracing the graph)
Leaves: device, lr, model (on device), optimizer, loss_fn, train_step_fn, val_step_fn,
        writer (SummaryWriter logging to runs/simple_linear_regression), dummy_x, dummy_y
"""
import warnings

import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.tensorboard import SummaryWriter

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

# Step functions for training and validation
train_step_fn = make_train_step_fn(model, loss_fn, optimizer)
val_step_fn = make_val_step_fn(model, loss_fn)

# NEW: a writer for TensorBoard, and the model's graph, traced with one real mini-batch
writer = SummaryWriter('runs/simple_linear_regression')
dummy_x, dummy_y = next(iter(train_loader))
with warnings.catch_warnings():
    # add_graph traces the model with torch.jit.trace, which PyTorch has deprecated in favour of
    # torch.export; TensorBoard still relies on it, so we silence that one FutureWarning
    warnings.filterwarnings('ignore', message=r'.*torch\.jit\.trace', category=FutureWarning)
    writer.add_graph(model, dummy_x.to(device))
