"""Every reusable ``nn.Module`` of the book, one home each, grouped by subject.

* ``vision``: Part II's convolutional models and blocks: ``CNN2``, the deep ``build_model`` of the
  Extra chapter, and chapter 7's Inception blocks, identity probes and ``ResidualBlock``.
* ``recurrent``: chapter 8's hand-made RNN/GRU/LSTM cells, the square classifiers and the
  helpers that take recurrent layers apart (layer state dicts, last outputs of packed batches).
* ``attention``: the masks (True = visible) and the one ``MultiHeadAttention`` of the book.
* ``seq2seq``: chapter 9's encoders and decoders (recurrent, with attention, with
  self-attention) and the encoder-decoders that train them on sequences of points.
* ``transformer``: chapter 10's positional encoding, layer norm, encoder and decoder layers and
  stacks, and the Vision Transformer.
* ``fizzbuzz``: chapter 12's ``MyLinear`` (a linear layer from two ``nn.Parameter``s),
  ``FizzBuzzNet`` and the final FizzBuzz classifier with its training recipe (reused by the
  production chapter).
* ``language``: chapter 11's models: CBOW, the Transformer classifier built on ``transformer``'s
  encoder, the biLSTM language model and the BERT classifier.
* ``fashion``: chapter 13's fully connected nets for T-shirt/top vs Shirt (``make_fc``, the first
  and the deep shape) and the loader of their 100-epoch checkpoints.
* ``generative``: chapter 14's autoencoders, GAN players and the CycleGAN-style pair.
* ``autoregressive``: chapter 15's masked convolutions, PixelCNN, causal and dilated convolutions,
  and WaveNet with its naive and cached generators.
* ``segmentation``: chapter 16's loop convolution and pooling (test oracles), LinkNet-lite (with
  and without additive skips) and U-Net-lite.
* ``qnetwork``: chapter 17's Q-network and the frozen copy that serves as its target network.
"""
