"""What the MPI launcher told this process, read from its environment (no MPI import).

``mpiexec`` (MPICH's Hydra), ``mpirun`` (Open MPI), PMIx launchers and Slurm's ``srun`` each start every process
with its rank and the job's size in environment variables. Reading them lets Lamina decide, before importing
``mpi4py``, whether there is more than one process at all: a script run as ``python train.py`` never loads MPI.
"""

from __future__ import annotations

import os

# (rank variable, size variable), in the order checked.
_LAUNCHER_VARIABLES = (
    ("PMI_RANK", "PMI_SIZE"),                                # MPICH Hydra, Intel MPI, Slurm with PMI-1/2
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),        # Open MPI's mpirun
    ("PMIX_RANK", "PMIX_SIZE"),                              # PMIx launchers (PMIX_SIZE is not always set)
    ("MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE"),          # MVAPICH2
)


def launcher_rank_and_size() -> tuple[int, int] | None:
    """``(rank, size)`` as the launcher announced them, or None when no MPI launcher started this process."""
    for rank_name, size_name in _LAUNCHER_VARIABLES:
        rank, size = os.environ.get(rank_name), os.environ.get(size_name)
        if rank is None:
            continue
        try:
            return int(rank), int(size) if size is not None else 1
        except ValueError:
            continue
    return None


def launched_under_mpi() -> bool:
    """Whether an MPI launcher started this process as one of two or more (``mpiexec -n 2 ...``).

    A single process (``mpiexec -n 1`` or a plain ``python``) answers False: there is nobody to talk to.
    """
    found = launcher_rank_and_size()
    return found is not None and found[1] > 1
