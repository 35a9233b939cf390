"""The intermediate representation shared by every front end and back end."""
