import torch

from tests.helpers import small_model_config
from ur4rec.models.sasrec import SASRec


def make_sasrec(max_len=8):
    torch.manual_seed(0)
    return SASRec(num_items=30, max_len=max_len, config=small_model_config().sasrec).eval()


def test_later_item_does_not_change_earlier_outputs():
    model = make_sasrec()
    seq = torch.tensor([[0, 0, 3, 7, 9, 4, 12, 5]])
    changed = seq.clone()
    changed[0, 6] = 21
    out, out_changed = model(seq), model(changed)
    assert torch.allclose(out[0, :6], out_changed[0, :6], atol=1e-6)
    assert not torch.allclose(out[0, 6], out_changed[0, 6])


def test_left_padding_does_not_change_real_positions():
    model = make_sasrec()
    short = torch.tensor([[0, 3, 7, 9]])
    long = torch.tensor([[0, 0, 0, 0, 0, 3, 7, 9]])
    assert torch.allclose(model(short)[0, 1:], model(long)[0, 5:], atol=1e-6)


def test_padding_positions_are_zero():
    model = make_sasrec()
    out = model(torch.tensor([[0, 0, 0, 5, 6, 7, 8, 9]]))
    assert torch.count_nonzero(out[0, :3]) == 0


def test_sequence_representation_is_last_position():
    model = make_sasrec()
    seq = torch.tensor([[0, 0, 3, 7, 9, 4, 12, 5]])
    assert torch.equal(model.sequence_representation(seq), model(seq)[:, -1])
