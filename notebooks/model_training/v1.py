"""Model Training V1 (chapter 2): the loop calls train_step_fn and keeps every epoch's loss.

Reads:  train_step_fn, x_train_tensor, y_train_tensor (full batch, on the device)
Leaves: n_epochs, losses (list of floats, one per epoch), loss
"""
# How many passes over the training data
n_epochs = 1000

losses = []

for epoch in range(n_epochs):
    # One training step on the full batch: all the work happens inside train_step_fn
    loss = train_step_fn(x_train_tensor, y_train_tensor)
    losses.append(loss)
