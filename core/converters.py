"""URL converters: ids are at most 18 digits, so no URL can name a number the database
cannot hold (a larger one is simply not found)."""


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
