"""Data-parallel training over MPI: ``mpiexec -n 2 python train.py`` (docs/distributed.md).

Every process (rank) holds the whole model, trains on its share of each batch, and averages
the gradients with the others before the optimizer step, so every rank makes the same step::

    world = dx.distributed.init()
    dx.distributed.broadcast_parameters(model)
    ...
    grads = dx.distributed.all_reduce_gradients(loss.backward(), model)
    opt.update(model, grads)

MPI comes from the optional extra ``distributed`` (mpi4py and MPICH): it is imported by
:func:`init`, never by ``import dfdx``; without it the world is one process.
"""

from dfdx.distributed._checkpoint import save as save
from dfdx.distributed._checkpoint import save_checkpoint as save_checkpoint
from dfdx.distributed._reduce import all_reduce as all_reduce
from dfdx.distributed._reduce import all_reduce_gradients as all_reduce_gradients
from dfdx.distributed._reduce import backward as backward
from dfdx.distributed._reduce import broadcast_parameters as broadcast_parameters
from dfdx.distributed._sampler import DistributedSampler as DistributedSampler
from dfdx.distributed._shard import ShardedOptimizer as ShardedOptimizer
from dfdx.distributed._world import EveryRankError as EveryRankError
from dfdx.distributed._world import World as World
from dfdx.distributed._world import barrier as barrier
from dfdx.distributed._world import get_rank as get_rank
from dfdx.distributed._world import get_world_size as get_world_size
from dfdx.distributed._world import init as init
from dfdx.distributed._world import is_main as is_main
