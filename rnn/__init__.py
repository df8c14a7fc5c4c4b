"""Gradient-trained recurrent baselines: vanilla RNN, Elman, Jordan, LSTM and GRU,
trained by backpropagation through time (full or truncated) with SGD, RMSprop or
Adam. Weights use PyTorch's names and layouts, so they can be copied to and
from ``torch.nn.RNN/LSTM/GRU`` + ``nn.Linear``.

    from rnn import LSTM
    model = LSTM(n_in=2, n_hidden=64, n_out=1, seed=0)
    history = model.fit(X, Y, epochs=20, lr=1e-3, optimizer="adam", clip=1.0, batch_size=32)
    Y_hat = model.predict(X)     # X (batch, T, n_in)

The neural history compressor (Schmidhuber 1992), a stack of such predictors that
pass upward only what they failed to predict, is :class:`NeuralHistoryCompressor`.
"""

from rnn.compressor import Description, NeuralHistoryCompressor
from rnn.model import History, RecurrentModel
from rnn.networks import GRU, LSTM, RNN, Elman, Jordan
from rnn.surprise import NotArgmax, ProbabilityBelow

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Description",
    "Elman",
    "History",
    "Jordan",
    "NeuralHistoryCompressor",
    "NotArgmax",
    "ProbabilityBelow",
    "RecurrentModel",
]
