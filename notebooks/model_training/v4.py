"""Model Training V4 (chapter 2): V3 plus a validation pass after each epoch, without gradients.

Reads:  device, train_loader, val_loader, train_step_fn, val_step_fn
Leaves: n_epochs, losses, val_losses (lists of floats, one per epoch), loss, val_loss
"""
import torch

from helpers.training_loop import mini_batch

# 5 mini-batches per epoch: 200 epochs make 1,000 updates
n_epochs = 200

losses = []
val_losses = []

for epoch in range(n_epochs):
    # Training: one update per mini-batch
    loss = mini_batch(device, train_loader, train_step_fn)

    # NEW: validation, with gradient tracking switched off
    with torch.no_grad():
        val_loss = mini_batch(device, val_loader, val_step_fn)

    # The epoch's two losses, one in each list
    losses.append(loss)
    val_losses.append(val_loss)
