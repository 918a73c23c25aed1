"""Model training, version 0 (chapter 1): full-batch gradient descent for 1,000 epochs.

Run it inside a notebook with ``%run -i model_training/v0.py``.

Reads:  ``model``, ``optimizer``, ``loss_fn`` (model configuration) and ``x_train_tensor``,
        ``y_train_tensor`` (data preparation).
Leaves: ``n_epochs`` (1000), the trained ``model`` and, from the last epoch, ``yhat`` and ``loss``.
"""
n_epochs = 1000

for epoch in range(n_epochs):
    # training mode: a no-op for a linear layer, a habit that matters for dropout & co. later
    model.train()  # noqa: F821 (from model_configuration)

    # step 1: forward pass -- the model's predictions for every training point
    yhat = model(x_train_tensor)  # noqa: F821 (from data_preparation)

    # step 2: the loss (predictions first, labels second)
    loss = loss_fn(yhat, y_train_tensor)  # noqa: F821

    # step 3: gradients for every parameter that requires them
    loss.backward()

    # step 4: update the parameters, then clear the gradients for the next epoch
    optimizer.step()  # noqa: F821
    optimizer.zero_grad()
