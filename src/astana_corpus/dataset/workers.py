"""What every pool worker of the package needs, loaded once: the template process that
forks the workers (``core.parallel.use_template``) imports this module.

Importing it imports the modules of the batch functions the pools run (the ingest's
cleaning, the grouping's sketches, the documents and gold stages) and loads the
tokenizer, so that a worker, and every fresh one that replaces a recycled worker, starts
with them ready instead of spending a second on spaCy each time. Nothing else imports it.
"""

from __future__ import annotations

from astana_corpus.core.tokens import arabic_tokenizer
from astana_corpus.dataset import splits, stage
from astana_corpus.ingest import documents

# Imported for their effect: a worker finds them loaded.
BATCH_MODULES = (splits, stage, documents)

arabic_tokenizer()
