def greet():
    return "hello from the app directory"
