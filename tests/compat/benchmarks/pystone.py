"""A Dhrystone-style integer and record benchmark (after pystone)."""

from enum import IntEnum


class Ident(IntEnum):
    IDENT_1 = 1
    IDENT_2 = 2
    IDENT_3 = 3
    IDENT_4 = 4
    IDENT_5 = 5


class Record:
    def __init__(self, PtrComp=None, Discr=0, EnumComp=0, IntComp=0, StringComp=0):
        self.PtrComp = PtrComp
        self.Discr = Discr
        self.EnumComp = EnumComp
        self.IntComp = IntComp
        self.StringComp = StringComp

    def copy(self):
        return Record(self.PtrComp, self.Discr, self.EnumComp, self.IntComp, self.StringComp)


class Globals:
    def __init__(self):
        self.IntGlob = 0
        self.BoolGlob = False
        self.Char1Glob = "\0"
        self.Char2Glob = "\0"
        self.Array1Glob = [0] * 51
        self.Array2Glob = [[0] * 51 for _ in range(51)]
        self.PtrGlb = None
        self.PtrGlbNext = None


def Proc0(loops, g):
    g.PtrGlbNext = Record()
    g.PtrGlb = Record()
    g.PtrGlb.PtrComp = g.PtrGlbNext
    g.PtrGlb.Discr = Ident.IDENT_1
    g.PtrGlb.EnumComp = Ident.IDENT_3
    g.PtrGlb.IntComp = 40
    g.PtrGlb.StringComp = "DHRYSTONE PROGRAM, SOME STRING"
    String1Loc = "DHRYSTONE PROGRAM, 1'ST STRING"
    g.Array2Glob[8][7] = 10
    for _ in range(loops):
        Proc5(g)
        Proc4(g)
        IntLoc1 = 2
        IntLoc2 = 3
        String2Loc = "DHRYSTONE PROGRAM, 2'ND STRING"
        EnumLoc = Ident.IDENT_2
        g.BoolGlob = not Func2(String1Loc, String2Loc)
        while IntLoc1 < IntLoc2:
            IntLoc3 = 5 * IntLoc1 - IntLoc2
            IntLoc3 = Proc7(IntLoc1, IntLoc2)
            IntLoc1 = IntLoc1 + 1
        Proc8(g, g.Array1Glob, g.Array2Glob, IntLoc1, IntLoc3)
        g.PtrGlb = Proc1(g, g.PtrGlb)
        CharIndex = "A"
        while CharIndex <= g.Char2Glob:
            if EnumLoc == Func1(CharIndex, "C"):
                EnumLoc = Proc6(Ident.IDENT_1)
            CharIndex = chr(ord(CharIndex) + 1)
        IntLoc3 = IntLoc2 * IntLoc1
        IntLoc2 = IntLoc3 // IntLoc1
        IntLoc2 = 7 * (IntLoc3 - IntLoc2) - IntLoc1
        IntLoc1 = Proc2(g, IntLoc1)
    return g.IntGlob, IntLoc1, IntLoc2, IntLoc3


def Proc1(g, PtrParIn):
    PtrParIn.PtrComp = NextRecord = g.PtrGlb.copy()
    PtrParIn.IntComp = 5
    NextRecord.IntComp = PtrParIn.IntComp
    NextRecord.PtrComp = PtrParIn.PtrComp
    NextRecord.PtrComp = Proc3(g, NextRecord.PtrComp)
    if NextRecord.Discr == Ident.IDENT_1:
        NextRecord.IntComp = 6
        NextRecord.EnumComp = Proc6(PtrParIn.EnumComp)
        NextRecord.PtrComp = g.PtrGlb.PtrComp
        NextRecord.IntComp = Proc7(NextRecord.IntComp, 10)
    else:
        PtrParIn = NextRecord.copy()
    NextRecord.PtrComp = None
    return PtrParIn


def Proc2(g, IntParIO):
    IntLoc = IntParIO + 10
    EnumLoc = None
    while True:
        if g.Char1Glob == "A":
            IntLoc = IntLoc - 1
            IntParIO = IntLoc - g.IntGlob
            EnumLoc = Ident.IDENT_1
        if EnumLoc == Ident.IDENT_1:
            break
    return IntParIO


def Proc3(g, PtrParOut):
    if g.PtrGlb is not None:
        PtrParOut = g.PtrGlb.PtrComp
    else:
        g.IntGlob = 100
    g.PtrGlb.IntComp = Proc7(10, g.IntGlob)
    return PtrParOut


def Proc4(g):
    BoolLoc = g.Char1Glob == "A"
    g.BoolGlob = BoolLoc or g.BoolGlob
    g.Char2Glob = "B"


def Proc5(g):
    g.Char1Glob = "A"
    g.BoolGlob = False


def Proc6(EnumParIn):
    EnumParOut = EnumParIn
    if not Func3(EnumParIn):
        EnumParOut = Ident.IDENT_4
    if EnumParIn == Ident.IDENT_1:
        EnumParOut = Ident.IDENT_1
    elif EnumParIn == Ident.IDENT_2:
        EnumParOut = Ident.IDENT_1
    elif EnumParIn == Ident.IDENT_3:
        EnumParOut = Ident.IDENT_2
    elif EnumParIn == Ident.IDENT_5:
        EnumParOut = Ident.IDENT_3
    return EnumParOut


def Proc7(IntParI1, IntParI2):
    IntLoc = IntParI1 + 2
    return IntParI2 + IntLoc


def Proc8(g, Array1Par, Array2Par, IntParI1, IntParI2):
    IntLoc = IntParI1 + 5
    Array1Par[IntLoc] = IntParI2
    Array1Par[IntLoc + 1] = Array1Par[IntLoc]
    Array1Par[IntLoc + 30] = IntLoc
    for IntIndex in range(IntLoc, IntLoc + 2):
        Array2Par[IntLoc][IntIndex] = IntLoc
    Array2Par[IntLoc][IntLoc - 1] = Array2Par[IntLoc][IntLoc - 1] + 1
    Array2Par[IntLoc + 20][IntLoc] = Array1Par[IntLoc]
    g.IntGlob = 5


def Func1(CharPar1, CharPar2):
    CharLoc1 = CharPar1
    CharLoc2 = CharLoc1
    if CharLoc2 != CharPar2:
        return Ident.IDENT_1
    return Ident.IDENT_2


def Func2(StrParI1, StrParI2):
    IntLoc = 1
    CharLoc = None
    while IntLoc <= 1:
        if Func1(StrParI1[IntLoc], StrParI2[IntLoc + 1]) == Ident.IDENT_1:
            CharLoc = "A"
            IntLoc = IntLoc + 1
    if "W" <= CharLoc <= "Z":
        IntLoc = 7
    if CharLoc == "X":
        return True
    if StrParI1 > StrParI2:
        return True
    return False


def Func3(EnumParIn):
    return EnumParIn == Ident.IDENT_3


def run(n):
    return Proc0(n, Globals())


print(run(100))
