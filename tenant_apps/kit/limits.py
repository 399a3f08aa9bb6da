TEXT_MAX_LENGTH = 20_000  # a request's details, a reply or a note
