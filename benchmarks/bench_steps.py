"""Benchmark single steps: one training step of each stage's loss and one evaluation batch.

    python benchmarks/bench_steps.py [--config configs/quick.yaml] [--items 1682] [--json]

The inputs are random: full-length sequences of `--items` items, random text embeddings of
MiniLM's size and random users. A step's time depends on the shapes alone, so this isolates the
model's arithmetic from data loading, validation and checkpoints, and a change to the model
shows up here first. Every figure is the median of `--repeats` timed calls after two warm-ups.
"""

from __future__ import annotations

import common
import torch

from ur4rec.data.batching import TrainBatch
from ur4rec.models.ur4rec import UR4Rec
from ur4rec.pipeline import set_threads
from ur4rec.training.stages import STAGE_SPECS, compute_loss, set_trainable

TEXT_DIM = 384  # the output size of all-MiniLM-L6-v2, the default text encoder


def parse_args():
    parser = common.base_parser(__doc__.splitlines()[0])
    common.add_config_arguments(
        parser,
        "config whose model, batch size, loss positions and threads are used (default: configs/quick.yaml)",
        "override a config value (repeatable)",
    )
    parser.add_argument("--users", type=int, default=943, help="users in the model (default 943)")
    parser.add_argument("--items", type=int, default=1682, help="items in the catalogue (default 1682)")
    parser.add_argument("--eval-batch", type=int, default=256, help="users per evaluation batch (default 256)")
    parser.add_argument("--repeats", type=int, default=10, help="timed calls of each step (default 10)")
    return parser.parse_args()


def random_batch(users: int, items: int, batch: int, length: int, generator: torch.Generator) -> TrainBatch:
    sequence = torch.randint(1, items + 1, (batch, length + 1), generator=generator)
    return TrainBatch(
        user_ids=torch.randint(1, users + 1, (batch,), generator=generator),
        item_seq=sequence[:, :-1],
        pos_items=sequence[:, 1:],
        seq_lens=torch.full((batch,), length + 1),
    )


def time_training_step(model: UR4Rec, stage: str, batch: TrainBatch, config, repeats: int) -> dict:
    spec = STAGE_SPECS[stage]
    set_trainable(model, spec.modules)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=1e-3)
    model.train()

    def step() -> None:
        out = compute_loss(model, batch, spec.score, config.training.num_negatives,
                           config.training.loss_positions)
        optimizer.zero_grad(set_to_none=True)
        out.loss.backward()
        optimizer.step()

    return common.time_call(step, repeats, warmup=2)


def time_evaluation_batch(model: UR4Rec, batch: TrainBatch, repeats: int) -> dict:
    model.eval()

    @torch.inference_mode()
    def forward() -> None:
        model.score(model(batch.user_ids, batch.item_seq, positions=1), last_only=True)

    return common.time_call(forward, repeats, warmup=2)


def main() -> None:
    args = parse_args()
    common.setup_logging(args.verbose)
    config = common.load_bench_config(args.config, args.overrides)
    set_threads(config)
    generator = torch.Generator().manual_seed(config.training.seed)
    torch.manual_seed(config.training.seed)
    user_text = torch.nn.functional.normalize(torch.randn(args.users + 1, TEXT_DIM, generator=generator), dim=1)
    item_text = torch.nn.functional.normalize(torch.randn(args.items + 1, TEXT_DIM, generator=generator), dim=1)
    model = UR4Rec(args.users, args.items, config, user_text, item_text)
    length = config.data.max_seq_len
    train_batch = random_batch(args.users, args.items, config.training.batch_size, length, generator)
    eval_batch = random_batch(args.users, args.items, args.eval_batch, length, generator)

    rows, figures = [], {}
    for stage in STAGE_SPECS:
        seconds = time_training_step(model, stage, train_batch, config, args.repeats)
        figures[stage] = seconds
        rows.append([f"train step: {stage}", config.training.batch_size, seconds["median"] * 1000,
                     seconds["min"] * 1000])
    seconds = time_evaluation_batch(model, eval_batch, args.repeats)
    figures["evaluation_batch"] = seconds
    rows.append(["evaluation batch (all score kinds)", args.eval_batch, seconds["median"] * 1000,
                 seconds["min"] * 1000])

    out = common.Report("bench_steps", args.json)
    out.note(
        f"Config {args.config} {' '.join(args.overrides)}; {args.users:,} users, {args.items:,} items, "
        f"sequences of {length}; loss positions {config.training.loss_positions or 'all'}; "
        f"{args.repeats} timed calls after 2 warm-ups"
    )
    out.table(["step", "users", "median ms", "min ms"], rows)
    out.note(
        "A SASRec step trains on windows of the same length as the other stages' rows. "
        "An evaluation batch scores every item for the last position of each sequence.",
        wrap=True,
    )
    out.data.update({"config": str(args.config), "overrides": args.overrides, "steps": figures,
                     "users": args.users, "items": args.items})
    out.finish()


if __name__ == "__main__":
    main()
