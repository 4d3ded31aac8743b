"""A room graph for a text adventure: classes, dict dispatch and string formatting."""


class Room:
    def __init__(self, name, description, items=None):
        self.name = name
        self.description = description
        self.items = list(items or [])
        self.exits = {}

    def connect(self, direction, other, back):
        self.exits[direction] = other
        other.exits[back] = self

    def __str__(self):
        exits = ", ".join(sorted(self.exits))
        items = ", ".join(self.items) or "nothing"
        return "%s: %s (exits: %s; you see %s)" % (self.name, self.description, exits, items)


class Player:
    def __init__(self, room):
        self.room = room
        self.bag = []
        self.handlers = {"go": self.go, "take": self.take, "inventory": self.inventory}

    def go(self, direction):
        if direction not in self.room.exits:
            return "You can't go {}.".format(direction)
        self.room = self.room.exits[direction]
        return str(self.room)

    def take(self, item):
        if item in self.room.items:
            self.room.items.remove(item)
            self.bag.append(item)
            return "Taken: %s" % item
        return "No %r here." % item

    def inventory(self, *_):
        return "Carrying: {0} item(s): {1}".format(len(self.bag), ", ".join(self.bag))

    def do(self, line):
        verb, _, rest = line.partition(" ")
        handler = self.handlers.get(verb)
        return handler(rest) if handler else "Unknown verb '%s'" % verb


hall = Room("Hall", "a dusty hall", ["lamp"])
kitchen = Room("Kitchen", "smells of bread", ["knife", "bread"])
cellar = Room("Cellar", "dark and damp")
hall.connect("north", kitchen, "south")
kitchen.connect("down", cellar, "up")
p = Player(hall)
for cmd in ["take lamp", "go north", "take bread", "take sword", "go down", "go west",
            "inventory", "dance", "go up"]:
    print(p.do(cmd))
print("%5.2f|%-6s|%03d|%x|%e" % (3.14159, "ab", 7, 255, 12345.678))
