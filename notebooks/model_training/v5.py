"""Model Training V5 (chapter 2): V4 plus both losses sent to TensorBoard after every epoch.

Reads:  device, train_loader, val_loader, train_step_fn, val_step_fn, writer (SummaryWriter)
Leaves: n_epochs, losses, val_losses (lists of floats, one per epoch), loss, val_loss;
        the writer is closed at the end
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

    # Validation, with gradient tracking switched off
    with torch.no_grad():
        val_loss = mini_batch(device, val_loader, val_step_fn)

    # The epoch's two losses, one in each list
    losses.append(loss)
    val_losses.append(val_loss)

    # NEW: both losses under one main tag, so TensorBoard draws them on the same chart
    writer.add_scalars(main_tag='loss', global_step=epoch,
                       tag_scalar_dict={'training': loss, 'validation': val_loss})

# Write everything still buffered to disk and release the files
writer.close()
