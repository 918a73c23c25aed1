"""Model Training V3 (chapter 2): the inner loop is now the mini_batch helper; 200 epochs.

Reads:  device, train_loader, train_step_fn
Leaves: n_epochs, losses (list of floats, one per epoch), loss
"""
from helpers.training_loop import mini_batch

# 5 mini-batches per epoch: 200 epochs make the same 1,000 updates as before
n_epochs = 200

losses = []

for epoch in range(n_epochs):
    # The inner loop, in one call
    loss = mini_batch(device, train_loader, train_step_fn)
    losses.append(loss)
