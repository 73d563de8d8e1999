"""A scrape of a Prometheus endpoint, read as Prometheus reads it."""

from prometheus_client.parser import text_string_to_metric_families


class Scrape:
    def __init__(self, text: str) -> None:
        self.text = text
        self.samples = [s for family in text_string_to_metric_families(text)
                        for s in family.samples]

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when the series does not exist yet."""
        found = [s.value for s in self.samples if s.name == name and s.labels == labels]
        return found[0] if found else 0.0

    def names(self, **labels: str) -> set[str]:
        """The names of the samples carrying ``labels`` (among others)."""
        return {s.name for s in self.samples if labels.items() <= s.labels.items()}
