import pytest
import torch

from tests.helpers import small_model_config
from ur4rec.config import FUSION_METHODS, UPDATE_TRIGGERS
from ur4rec.data.batching import TrainBatch
from ur4rec.models.ur4rec import UR4Rec, cross_entropy
from ur4rec.training.checkpoint import load_checkpoint, save_checkpoint
from ur4rec.training.stages import compute_loss

NUM_USERS, NUM_ITEMS, TEXT_DIM = 6, 40, 12


def make_model(**sections) -> UR4Rec:
    torch.manual_seed(0)
    config = small_model_config(**sections)
    user_text = torch.randn(NUM_USERS + 1, TEXT_DIM)
    item_text = torch.randn(NUM_ITEMS + 1, TEXT_DIM)
    return UR4Rec(NUM_USERS, NUM_ITEMS, config, user_text, item_text)


def edge_batch():
    # An empty sequence, a one-item sequence and a full-length sequence.
    item_seq = torch.tensor([
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 17],
        [3, 9, 12, 5, 21, 8, 33, 2],
    ])
    targets = torch.tensor([
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 4],
        [9, 12, 5, 21, 8, 33, 2, 11],
    ])
    return torch.tensor([1, 2, 3]), item_seq, targets


@pytest.mark.parametrize("proxies", [0, 2])
def test_forward_backward_finite_on_edge_sequences(proxies):
    model = make_model(moe={"num_proxies": proxies})
    user_ids, item_seq, targets = edge_batch()
    scores = model.score(model(user_ids, item_seq))
    assert torch.isfinite(scores.fused).all()
    assert torch.isfinite(scores.sasrec).all()
    assert torch.isfinite(scores.retriever).all()
    logits = scores.fused.masked_fill(torch.arange(NUM_ITEMS + 1) == 0, float("-inf"))
    loss = cross_entropy(logits, targets)
    loss.backward()
    assert torch.isfinite(loss)
    for name, param in model.named_parameters():
        if param.grad is not None:
            assert torch.isfinite(param.grad).all(), name


def test_gates_are_a_distribution_per_candidate():
    model = make_model()
    user_ids, item_seq, _ = edge_batch()
    gates = model.score(model(user_ids, item_seq)).gates
    assert gates.shape == (3, 8, NUM_ITEMS + 1, 3)
    assert torch.allclose(gates.sum(-1), torch.ones(3, 8, NUM_ITEMS + 1), atol=1e-5)
    # The router gives different candidates different weights.
    assert gates[2, -1].std(0).max() > 0


@pytest.mark.parametrize("proxies", [0, 2])
def test_retriever_scores_match_formula(proxies):
    # score[b, l, c] = sum over experts e of gate[b, l, c, e] * (user[b, l, e] . item[c, e]),
    # gate = softmax over e of (query[b, l, e] . key[c] / sqrt(D) + bias[b, l, e]).
    model = make_model(moe={"num_proxies": proxies})
    model.eval()
    user_ids, item_seq, _ = edge_batch()
    retriever = model.retriever
    out = retriever(user_ids, item_seq)
    candidates = torch.tensor([1, 7, 17, 40])
    scores, gates = retriever.score(out, candidates)

    items = retriever.item_vectors(candidates)  # (C, E, D)
    keys = retriever.router_key(retriever.item_text[candidates]) if proxies else None
    for b in range(3):
        for pos in (0, 7):
            for col in range(len(candidates)):
                dots = (out.user_vectors[b, pos] * items[col]).sum(-1)  # (E,)
                if proxies:
                    logits = out.gate_query[b, pos] @ keys[col] / retriever.dim**0.5 + out.gate_bias[b, pos]
                    expected_gates = torch.softmax(logits, dim=0)
                else:
                    expected_gates = torch.full((3,), 1 / 3)
                assert torch.allclose(gates[b, pos, col], expected_gates, atol=1e-5)
                assert scores[b, pos, col].item() == pytest.approx((expected_gates * dots).sum().item(), abs=1e-4)


def test_no_proxies_means_uniform_gates():
    model = make_model(moe={"num_proxies": 0})
    user_ids, item_seq, _ = edge_batch()
    gates = model.score(model(user_ids, item_seq)).gates
    assert torch.allclose(gates, torch.full_like(gates, 1 / 3))


@pytest.mark.parametrize("method", FUSION_METHODS)
def test_fusion_methods(method):
    model = make_model(fusion={"method": method})
    user_ids, item_seq, targets = edge_batch()
    params = [p for p in model.fusion.parameters()]
    if method == "weighted":
        assert params == []
        out = model(user_ids, item_seq)
        assert torch.allclose(out.fusion_weights[0, 0], torch.tensor([0.7, 0.3]))
        return
    before = [p.detach().clone() for p in params]
    optimizer = torch.optim.Adam(params, lr=0.05)
    losses = []
    for _ in range(30):
        scores = model.score(model(user_ids, item_seq))
        logits = scores.fused.masked_fill(torch.arange(NUM_ITEMS + 1) == 0, float("-inf"))
        loss = cross_entropy(logits, targets)
        optimizer.zero_grad()
        loss.backward()
        assert all(p.grad is not None for p in params)
        optimizer.step()
        losses.append(float(loss.detach()))
    assert any(not torch.equal(a, b) for a, b in zip(before, params))
    assert losses[-1] < losses[0]


def test_adaptive_fusion_weights_differ_per_user():
    model = make_model(fusion={"method": "adaptive"})
    torch.nn.init.normal_(model.fusion.net[2].weight)
    user_ids, item_seq, _ = edge_batch()
    weights = model(user_ids, item_seq).fusion_weights[:, -1]
    assert torch.allclose(weights.sum(-1), torch.ones(3))
    assert not torch.allclose(weights[1], weights[2])


def replay_states(trigger, **memory):
    model = make_model(memory={"update_trigger": trigger, **memory})
    model.eval()
    user_ids, item_seq, _ = edge_batch()
    out = model(user_ids, item_seq)
    return model, out


def test_interaction_count_trigger_updates_every_n_items():
    _, out = replay_states("INTERACTION_COUNT", interaction_threshold=3)
    replay = out.replay
    assert replay.num_updates.tolist() == [0, 0, 2]  # 8 items, an update after item 3 and 6
    assert replay.last_update_pos.tolist() == [-1, -1, 5]
    states = replay.states[2]
    assert torch.count_nonzero(states[:2]) == 0
    assert torch.equal(states[2], states[3])
    assert torch.equal(states[3], states[4])
    assert not torch.equal(states[4], states[5])


def test_drift_threshold_trigger_depends_on_threshold():
    _, low = replay_states("DRIFT_THRESHOLD", drift_threshold=0.0)
    _, high = replay_states("DRIFT_THRESHOLD", drift_threshold=1.99)
    # The first item always creates the memory; a threshold of 0 updates on every drift.
    assert high.replay.num_updates.tolist() == [0, 1, 1]
    assert low.replay.num_updates[2] > 1
    assert low.replay.num_updates[1] == 1


def test_time_based_trigger_uses_global_steps():
    model, _ = replay_states("TIME_BASED", time_interval=5)
    memory = model.memory
    assert memory.read(torch.tensor([1, 2])).abs().sum() == 0
    memory.update(torch.tensor([1, 2]), torch.randn(2, 16), step=5)
    assert memory.has_memory[1]
    assert memory.has_memory[2]
    assert not memory.has_memory[3]
    assert memory.last_update_step[1] == 5
    first = memory.read(torch.tensor([1])).clone()
    memory.update(torch.tensor([1]), torch.randn(1, 16), step=10)
    assert not torch.equal(first, memory.read(torch.tensor([1])))
    assert torch.equal(memory.history[1, 0], first[0])
    assert memory.history_len[1] == 1
    assert memory.num_updates[1] == 2


def test_explicit_trigger_never_updates_by_itself():
    model, out = replay_states("EXPLICIT")
    assert out.replay is None
    model.store_memory(torch.tensor([1, 2, 3]), out, torch.tensor([0, 1, 8]), step=1)
    assert not model.memory.has_memory.any()


def test_history_is_bounded():
    model, _ = replay_states("EXPLICIT", max_memory_size=2)
    memory = model.memory
    for step in range(5):
        memory.update(torch.tensor([4]), torch.randn(1, 16), step=step)
    assert memory.history_len[4] == 2
    assert memory.num_updates[4] == 5


def test_memory_off_has_no_bank():
    model = make_model(memory={"max_memory_size": 0})
    assert model.memory is None
    user_ids, item_seq, _ = edge_batch()
    assert torch.isfinite(model.score(model(user_ids, item_seq)).fused).all()


def test_memory_blend_changes_retriever_scores():
    model = make_model(memory={"update_trigger": "INTERACTION_COUNT", "interaction_threshold": 1})
    model.eval()
    user_ids, item_seq, _ = edge_batch()
    with_memory = model.score(model(user_ids, item_seq)).retriever
    plain = model.retriever.score(model.retriever(user_ids, item_seq, None))[0]
    assert not torch.allclose(with_memory[2], plain[2])
    # No memory exists before the first item, so the empty sequence is unaffected.
    assert torch.allclose(with_memory[0], plain[0])


def test_checkpoint_round_trip(tmp_path):
    model = make_model()
    model.memory.update(torch.tensor([1, 3]), torch.randn(2, 16), step=7)
    path = tmp_path / "ckpt" / "best.pt"
    save_checkpoint(path, {"stage": "end_to_end", "epoch": 3, "model": model.state_dict()})
    payload = load_checkpoint(path)
    restored = make_model()
    restored.load_state_dict(payload["model"])
    for (name, a), (_, b) in zip(model.state_dict().items(), restored.state_dict().items()):
        assert torch.equal(a, b), name
    assert payload["epoch"] == 3
    assert not list(path.parent.glob("*.tmp"))


@pytest.mark.parametrize("trigger", UPDATE_TRIGGERS)
def test_every_trigger_builds(trigger):
    model = make_model(memory={"update_trigger": trigger})
    user_ids, item_seq, _ = edge_batch()
    assert torch.isfinite(model.score(model(user_ids, item_seq)).fused).all()


@pytest.mark.parametrize("trigger", UPDATE_TRIGGERS)
@pytest.mark.parametrize("proxies", [0, 2])
def test_last_positions_match_full_forward(trigger, proxies):
    model = make_model(memory={"update_trigger": trigger}, moe={"num_proxies": proxies})
    model.eval()
    user_ids, item_seq, _ = edge_batch()
    model.memory.update(user_ids, torch.randn(3, model.retriever.dim), step=1)
    with torch.no_grad():
        full = model.score(model(user_ids, item_seq))
        for keep in (1, 3):
            part = model.score(model(user_ids, item_seq, positions=keep))
            assert part.fused.shape == (3, keep, NUM_ITEMS + 1)
            for kind in ("sasrec", "retriever", "fused", "gates"):
                expected = getattr(full, kind)[:, -keep:]
                assert torch.allclose(getattr(part, kind), expected, atol=1e-5), (kind, keep)


def test_cross_entropy_skips_padding_targets():
    torch.manual_seed(0)
    logits = torch.randn(2, 4, 9, requires_grad=True)
    targets = torch.tensor([[0, 0, 3, 5], [0, 1, 8, 2]])
    real = targets > 0
    expected = -torch.log_softmax(logits, dim=-1)[real].gather(1, targets[real].unsqueeze(1)).mean()
    assert cross_entropy(logits, targets).item() == pytest.approx(expected.item(), rel=1e-6)

    # Without any real target the loss is zero and still has a gradient.
    empty = cross_entropy(logits, torch.zeros_like(targets))
    empty.backward()
    assert empty.item() == 0.0
    assert torch.isfinite(logits.grad).all()


def test_retriever_loss_skips_sasrec():
    model = make_model()
    model.eval()
    user_ids, item_seq, targets = edge_batch()
    batch = TrainBatch(user_ids, item_seq, targets, torch.tensor([0, 1, 8]))
    step = compute_loss(model, batch, "retriever", num_negatives=0, loss_positions=3)

    # The same loss from the full forward pass, SASRec included.
    logits = model.score(model(user_ids, item_seq)).retriever[:, -3:]
    logits = logits.masked_fill(torch.arange(NUM_ITEMS + 1) == 0, float("-inf"))
    expected = cross_entropy(logits, targets[:, -3:])
    assert step.loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert step.fusion is None
    assert step.gates is not None
