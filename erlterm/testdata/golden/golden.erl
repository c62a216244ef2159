%% Driver for erl_golden_test.go: the Erlang half of the golden tests.
%%
%% The Go test writes its records to a file and runs
%%     golden:main([Mode, CasesSource, InFile, OutFile])
%% once per mode. A record is a list of binaries, framed as
%%     <<Count:32, (Len:32, Bytes:Len/binary) * Count>>
%% in both directions, so that neither side needs the codec under test to
%% read what the other wrote.
%%
%% Mode "encode": CasesSource is a generated module, golden_cases, whose
%% cases/0 returns [{Name, fun() -> Expr end}]. Each input record is
%%     [Name, Flags, Raw | GoEncodings]
%% and the output record is
%%     [Name, RawStatus, ExprStatus | GoStatuses ++ ErlangEncodings]
%% where a status is <<"ok">>, <<"-">> (nothing to check) or a description
%% of the failure, GoStatuses has one entry per Go encoding
%% (binary_to_term(GoBytes) =:= Expr), and ErlangEncodings holds
%% term_to_binary(Expr, Opts) for each Opts of options/0 (none when the case
%% has no expression or its expression failed).
%%
%% Mode "compare" (CasesSource unused): each input record is
%%     [Name, Reference | GoEncodings]
%% and the output record is
%%     [Name, Plain, Minor2 | Statuses]
%% where Plain and Minor2 are Erlang's own re-encodings of
%% binary_to_term(Reference) and each status says whether
%% binary_to_term(GoBytes) =:= binary_to_term(Reference).
-module(golden).
-export([main/1, options/0, nest_list/2, nest_tuple/2, nest_map/2, pattern/1]).

options() ->
    [[],
     [compressed],
     [{minor_version, 0}],
     [{minor_version, 1}],
     [{minor_version, 2}],
     [{compressed, 9}, {minor_version, 2}]].

%% Helpers for the case expressions.
nest_list(0, Inner) -> Inner;
nest_list(N, Inner) -> nest_list(N - 1, [Inner]).

nest_tuple(0, Inner) -> Inner;
nest_tuple(N, Inner) -> nest_tuple(N - 1, {Inner}).

nest_map(0, Inner) -> Inner;
nest_map(N, Inner) -> nest_map(N - 1, #{<<"k">> => Inner}).

%% pattern(N) is N bytes, byte I being I rem 251 (the Go test builds the same).
pattern(N) -> << <<(I rem 251)>> || I <- lists:seq(0, N - 1) >>.

main([Mode, CasesSource, In, Out]) ->
    try
        {ok, Data} = file:read_file(In),
        Records = read_records(Data),
        Result = case Mode of
                     "encode" -> encode(load_cases(CasesSource), Records);
                     "compare" -> [compare(R) || R <- Records]
                 end,
        ok = file:write_file(Out, [write_record(R) || R <- Result]),
        erlang:halt(0)
    catch
        Class:Reason:Stack ->
            io:format(standard_error, "golden: ~p:~p~n~p~n", [Class, Reason, Stack]),
            erlang:halt(2)
    end.

load_cases(Source) ->
    case compile:file(Source, [binary, report, return_errors]) of
        {ok, Mod, Bin} ->
            {module, Mod} = code:load_binary(Mod, Source, Bin),
            maps:from_list(Mod:cases());
        Error ->
            io:format(standard_error, "golden: compiling ~s: ~p~n", [Source, Error]),
            erlang:halt(3)
    end.

encode(Cases, Records) ->
    [encode_one(Cases, R) || R <- Records].

encode_one(Cases, [Name, Flags, Raw | GoEncodings]) ->
    Expr = case maps:find(Name, Cases) of
               {ok, F} ->
                   try {value, F()}
                   catch C:R -> {error, fmt("expression raised ~p:~p", [C, R])}
                   end;
               error -> none
           end,
    RawStatus = raw_status(Flags, Raw, Expr),
    {ExprStatus, Encodings} =
        case Expr of
            {value, V} -> {<<"ok">>, [term_to_binary(V, O) || O <- options()]};
            {error, Msg} -> {Msg, []};
            none -> {<<"-">>, []}
        end,
    GoStatuses = [go_status(B, Expr) || B <- GoEncodings],
    [Name, RawStatus, ExprStatus | GoStatuses ++ Encodings].

raw_status(_, <<>>, _) ->
    <<"-">>;
raw_status(<<"reject">>, Raw, _) ->
    case decode(Raw) of
        {error, _} -> <<"ok">>;
        {ok, T} -> fmt("binary_to_term accepted the bytes, giving ~P", [T, 12])
    end;
raw_status(_, Raw, Expr) ->
    case {decode(Raw), Expr} of
        {{error, Msg}, _} -> Msg;
        {{ok, T}, {value, V}} -> same(T, V);
        {{ok, _}, _} -> <<"ok">>
    end.

go_status(Bytes, {value, V}) ->
    case decode(Bytes) of
        {ok, T} -> same(T, V);
        {error, Msg} -> Msg
    end;
go_status(_, _) ->
    <<"no expression to compare with">>.

compare([Name, Ref | GoEncodings]) ->
    case decode(Ref) of
        {ok, V} ->
            Statuses = [case decode(B) of
                            {ok, T} -> same(T, V);
                            {error, Msg} -> Msg
                        end || B <- GoEncodings],
            [Name, term_to_binary(V), term_to_binary(V, [{minor_version, 2}]) | Statuses];
        {error, Msg} ->
            [Name, <<>>, <<>> | [<<"reference bytes: ", Msg/binary>> || _ <- GoEncodings]]
    end.

decode(Bytes) ->
    try {ok, binary_to_term(Bytes)}
    catch C:R -> {error, fmt("binary_to_term raised ~p:~p", [C, R])}
    end.

same(Got, Want) when Got =:= Want -> <<"ok">>;
same(Got, Want) -> fmt("mismatch: got ~P, want ~P", [Got, 12, Want, 12]).

fmt(Format, Args) ->
    S = unicode:characters_to_binary(io_lib:format(Format, Args)),
    case byte_size(S) > 600 of
        true -> <<(binary:part(S, 0, 600))/binary, "...">>;
        false -> S
    end.

read_records(<<>>) -> [];
read_records(<<N:32, Rest/binary>>) ->
    {Fields, Rest1} = read_fields(N, Rest, []),
    [Fields | read_records(Rest1)].

read_fields(0, Rest, Acc) -> {lists:reverse(Acc), Rest};
read_fields(N, <<L:32, B:L/binary, Rest/binary>>, Acc) -> read_fields(N - 1, Rest, [B | Acc]).

write_record(Fields) ->
    [<<(length(Fields)):32>> | [[<<(byte_size(F)):32>>, F] || F <- Fields]].
