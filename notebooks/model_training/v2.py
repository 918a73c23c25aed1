"""Model Training V2 (chapter 2): an inner loop over the mini-batches served by train_loader.

Reads:  device, train_loader, train_step_fn
Leaves: n_epochs, losses (list of floats, one per epoch: the mean of its mini-batch losses), loss
"""
import numpy as np

# How many passes over the training data
n_epochs = 1000

losses = []

for epoch in range(n_epochs):
    # Inner loop: one training step per mini-batch. The dataset stays on the CPU;
    # only the mini-batch in hand travels to the model's device.
    batch_losses = []
    for features, labels in train_loader:
        batch_losses.append(train_step_fn(features.to(device), labels.to(device)))

    # The epoch's loss is the average over its mini-batches
    loss = float(np.mean(batch_losses))
    losses.append(loss)
