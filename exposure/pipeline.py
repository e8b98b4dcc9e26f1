"""Running a batch of photos through stages (decode, decide and render, write) that overlap.

Each stage runs on its own thread and takes the items in order, so while one photo is written
the next is rendered and a third decoded: the stages' libraries (libraw, numpy, TensorFlow,
OpenColorIO, libjpeg/zlib) release the GIL, so the two cores both work. Between two stages at
most `queue_size` results wait, which bounds the photos in memory at once: one per stage plus
`queue_size` per gap between stages.
"""
import queue
import threading

# What a stage may raise for one bad photo (a bad file, an output that cannot be written): the
# photo fails and the batch goes on. Anything else stops the batch and is raised again.
PHOTO_ERRORS = (OSError, ValueError, MemoryError)
_DONE = object()  # end of the items
_POLL_SECONDS = 0.1  # how often a blocked stage checks whether the batch was stopped


class _Failed:
    """A photo that failed in an earlier stage: later stages pass it on untouched."""

    def __init__(self, error):
        self.error = error


class _Fatal(_Failed):
    """An unexpected error: the batch stops and the consumer raises it."""


def pipelined(items, stages, *, queue_size=1):
    """Runs every item through `stages` in order, each stage on its own thread.

    Args:
      items: iterable of inputs.
      stages: functions; the first takes an item, each next one what the previous returned.
      queue_size: results that may wait between two stages (>= 1).

    Yields:
      (item, result) in the order of `items`: `result` is what the last stage returned, or the
      PHOTO_ERRORS exception a stage raised for that item (its later stages are skipped).

    Raises:
      Any other exception a stage raised, once the items before it are yielded; the threads stop.
    """
    if queue_size < 1:
        raise ValueError(f"queue_size must be >= 1, got {queue_size}")
    items = list(items)
    stop = threading.Event()
    queues = [queue.Queue(maxsize=queue_size) for _ in stages]
    results = queue.Queue(maxsize=queue_size)

    def put(target, value):
        while not stop.is_set():
            try:
                target.put(value, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def get(source):
        while not stop.is_set():
            try:
                return source.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
        return _DONE

    def feed():
        for item in items:
            if not put(queues[0], item):
                return
        put(queues[0], _DONE)

    def run(stage, source, target):
        while True:
            value = get(source)
            if value is _DONE:
                put(target, _DONE)
                return
            if not isinstance(value, _Failed):
                try:
                    value = stage(value)
                except PHOTO_ERRORS as error:
                    value = _Failed(error)
                except BaseException as error:  # noqa: BLE001 (raised again by the consumer)
                    value = _Fatal(error)
            if not put(target, value):
                return

    threads = [threading.Thread(target=feed, daemon=True)]
    for index, stage in enumerate(stages):
        target = queues[index + 1] if index + 1 < len(stages) else results
        threads.append(threading.Thread(target=run, args=(stage, queues[index], target),
                                        daemon=True))
    for thread in threads:
        thread.start()
    try:
        for item in items:
            value = results.get()
            if isinstance(value, _Fatal):
                raise value.error
            yield item, value.error if isinstance(value, _Failed) else value
    finally:
        stop.set()
        for thread in threads:
            thread.join()
