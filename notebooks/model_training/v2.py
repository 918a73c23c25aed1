"""Model Training V2 (chapter 2): an inner loop over the mini-batches served by train_loader.

Reads:  device, train_loader, train_step_fn
Leaves: n_epochs, losses (list of floats, one per epoch: the mean of its mini-batch losses), loss
"""
import numpy as np

# How many passes over the training data
n_epochs = 1000

losses = []

for epoch in range(n_epochs):
    # Inner loop: one training step per mini-batch
    mini_batch_losses = []
    for x_batch, y_batch in train_loader:
        # The dataset lives on the CPU; each mini-batch is sent to the model's device
        x_batch = x_batch.to(device)
        y_batch = y_batch.to(device)

        mini_batch_loss = train_step_fn(x_batch, y_batch)
        mini_batch_losses.append(mini_batch_loss)

    # The epoch's loss is the average over its mini-batches
    loss = float(np.mean(mini_batch_losses))
    losses.append(loss)
